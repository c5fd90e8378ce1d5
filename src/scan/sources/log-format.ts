/**
 * The commit header `git log` writes for the history parser: a NUL that starts a line, then sha,
 * parents, author, email and ISO date separated by \x01, then the raw message, which may span
 * lines and ends with a second NUL.
 */
export const LOG_FORMAT = '--format=%x00%H%x01%P%x01%an%x01%ae%x01%aI%x01%B%x00';
