// The renderer's entry: the theme, the client of the core, the fleet store fed by its feed, and
// the app.
import './zodJitless';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { ServicesProvider, type AppServices } from './app/appContext';
import { loadTheme } from './app/theme';
import { connect } from './api/connect';
import { FleetStore } from './store/fleetStore';
import { OperationLog } from './store/operations';
import './styles/app.css';

const { client, link } = connect();
loadTheme(client);
const store = new FleetStore();
client.subscribe((snapshot) => store.applySnapshot(snapshot), (deltas) => store.applyDeltas(deltas));
const services: AppServices = { client, store, operations: new OperationLog(), link };

const root = document.getElementById('root');
if (!root) throw new Error('vfleet: #root element missing from index.html');
createRoot(root).render(
  <ServicesProvider services={services}>
    <App />
  </ServicesProvider>,
);
