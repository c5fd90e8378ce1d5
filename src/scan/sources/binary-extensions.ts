/**
 * Extensions whose files are never text worth scanning. Checked before reading, so large media and
 * archives cost nothing; anything else is read and sniffed for NUL bytes.
 */
const BINARY_EXTENSIONS = new Set(
  (
    'png jpg jpeg gif bmp ico icns webp tif tiff psd heic avif ' +
    'zip gz tgz bz2 xz 7z rar tar zst lz4 jar war ear apk aab ipa whl nupkg ' +
    'exe dll so dylib a o obj lib class pyc pyo wasm node ' +
    'pdf woff woff2 ttf otf eot ' +
    'mp3 mp4 m4a wav ogg oga flac avi mov mkv webm ' +
    'iso dmg img bin dat sqlite sqlite3 parquet pkl npy npz onnx pt'
  ).split(' '),
);

export function hasBinaryExtension(p: string): boolean {
  const dot = p.lastIndexOf('.');
  if (dot < 0 || dot < p.lastIndexOf('/')) return false;
  return BINARY_EXTENSIONS.has(p.slice(dot + 1).toLowerCase());
}
