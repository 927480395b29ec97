import { z } from 'zod';
import { defineChannel } from './core';

/** Compliance boundaries (allowed DCs, regions, drift scan) and profiles per tenant (issue 6 items 3–4). */
void z;
void defineChannel;
export const complianceChannels = {};
export const complianceEvents = {};
