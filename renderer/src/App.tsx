export function App() {
  return (
    <main>
      <h1>vfleet</h1>
      <p>Fleet view arrives with the desktop shell.</p>
    </main>
  );
}
