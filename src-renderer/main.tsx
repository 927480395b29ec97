import './app/zod-config';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createAppClient } from './app/bridge';
import { ClientProvider } from './app/client';
import { App } from './app/App';
import { applyTheme, useTheme } from './app/stores/theme';
import './styles/base.css';
import './styles/components.css';
import './styles/tenants.css';

// Before the first paint, so a dark-theme user never sees a white flash.
applyTheme(useTheme.getState().preference);

const rootEl = document.getElementById('root');
if (!rootEl) throw new Error('index.html has no #root');

createRoot(rootEl).render(
  <StrictMode>
    <ClientProvider client={createAppClient()}>
      <App />
    </ClientProvider>
  </StrictMode>,
);
