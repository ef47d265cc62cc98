// The desktop window's Content-Security-Policy, sent as a header on every vfleet:// response.
// Only the app's own files load; nothing connects out (the core is reached by IPC, not fetch);
// no frames, objects, workers, forms or <base>. Styles may be inline because xterm.js and
// recharts write <style> elements and style attributes; scripts may never be.
const DIRECTIVES: Record<string, string> = {
  'default-src': "'none'",
  'script-src': "'self'",
  'style-src': "'self' 'unsafe-inline'",
  'img-src': "'self' data:",
  'font-src': "'self' data:",
  'connect-src': "'none'",
  'media-src': "'none'",
  'object-src': "'none'",
  'frame-src': "'none'",
  'worker-src': "'none'",
  'child-src': "'none'",
  'manifest-src': "'none'",
  'base-uri': "'none'",
  'form-action': "'none'",
  'frame-ancestors': "'none'",
};

export const DESKTOP_CONTENT_SECURITY_POLICY = Object.entries(DIRECTIVES).map(([name, value]) => `${name} ${value}`).join('; ');
