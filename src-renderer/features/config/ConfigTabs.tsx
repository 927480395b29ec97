import './config.css';

/** Tenant Policies, Configuration and Branding tabs (issue 7 items 2–4). */
export { PoliciesTab } from './PoliciesTab';
export { ConfigurationTab } from './ConfigurationTab';
export { BrandingTab } from './BrandingTab';
export { TenantBrandingFrame } from './BrandingFrame';
