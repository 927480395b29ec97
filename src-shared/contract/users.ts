import { z } from 'zod';
import { defineChannel } from './core';

/** Tenant users and roles through the console (issue 7 item 1). */
void z;
void defineChannel;
export const userChannels = {};
export const userEvents = {};
