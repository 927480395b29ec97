export { KeysTab } from './KeysTab';
export { KeySharesPanel } from './KeySharesPanel';
