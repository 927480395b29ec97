import { z } from 'zod';
import { defineChannel } from './core';

/** The MSP dashboard across tenants and bulk operations with dry-run (issue 6 item 5). */
void z;
void defineChannel;
export const mspChannels = {};
export const mspEvents = {};
