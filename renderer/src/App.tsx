// The window the desktop app opens until the fleet views land with the desktop shell.
export function App() {
  return (
    <main>
      <h1>vfleet</h1>
      <p>Manage your fleet with the vfleet command for now: npm run vfleet -- --help</p>
    </main>
  );
}
