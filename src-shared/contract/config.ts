import { z } from 'zod';
import { defineChannel } from './core';

/** Tenant policies, versioned configuration, feature flags, branding and integrations (issue 7 items 2–4). */
void z;
void defineChannel;
export const configChannels = {};
export const configEvents = {};
