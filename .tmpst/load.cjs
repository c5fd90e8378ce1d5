const vm = require('vm'), fs = require('fs'), path = require('path'), Module = require('module');
const file = path.join(__dirname, '../dist/cjs/cli.js');
const cacheFile = file + '.v8cache';
const src = fs.readFileSync(file, 'utf8');
let cached; try { cached = fs.readFileSync(cacheFile); } catch {}
const script = new vm.Script(Module.wrap(src), { filename: file, cachedData: cached, importModuleDynamically: vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER });
if (process.env.DBG) console.error('rejected', script.cachedDataRejected, !!cached);
const fn = script.runInThisContext();
const m = new Module(file, module); m.filename = file; m.paths = Module._nodeModulePaths(path.dirname(file));
const req = (id) => m.require(id);
req.resolve = (id) => Module._resolveFilename(id, m);
fn.call(m.exports, m.exports, req, m, file, path.dirname(file));
if (!cached || script.cachedDataRejected) process.on('exit', () => { fs.writeFileSync(cacheFile, script.createCachedData()); });
m.exports.run();
