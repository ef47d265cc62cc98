// Lets the real electron-store run in plain Node, Electron's binary absent. Its `import electron`
// loads the npm package's index.js, which only names the binary (never started here) and throws
// when it cannot; with no Electron `app`, electron-store writes where its absolute `cwd` says, as
// the desktop app asks it to. Import this before the first store is opened.
process.env.ELECTRON_OVERRIDE_DIST_PATH ??= '/nonexistent/electron-binary-not-needed';
