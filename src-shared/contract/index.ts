import type { z } from 'zod';
import { accessChannels, accessEvents } from './access';
import { auditChannels, auditEvents } from './audit';
import { availabilityChannels, availabilityEvents } from './availability';
import { pkiChannels, pkiEvents } from './pki';
import { resourceChannels, resourceEvents } from './resources';
import { portabilityChannels, portabilityEvents } from './portability';
import { appChannels, appEvents } from './app';
import { clusterChannels } from './clusters';
import { complianceChannels, complianceEvents } from './compliance';
import { configChannels, configEvents } from './config';
import { isolationChannels, isolationEvents } from './isolation';
import { keyChannels, keyEvents } from './keys';
import { mspChannels, mspEvents } from './msp';
import { tenantChannels, tenantEvents } from './tenants';
import { userChannels, userEvents } from './users';
import type { ChannelDef, EventDef } from './core';

export * from './core';
export * from './access';
export * from './audit';
export * from './availability';
export * from './pki';
export * from './resources';
export * from './portability';
export * from './compliance';
export * from './msp';
export * from './users';
export * from './config';
export * from './app';
export * from './clusters';
export * from './isolation';
export * from './keys';
export * from './tenants';

/** Every channel the console serves, declared once. Hosts and clients derive from this object. */
export const contract = {
  ...appChannels,
  ...clusterChannels,
  ...tenantChannels,
  ...keyChannels,
  ...isolationChannels,
  ...complianceChannels,
  ...accessChannels,
  ...mspChannels,
  ...userChannels,
  ...configChannels,
  ...pkiChannels,
  ...auditChannels,
  ...availabilityChannels,
  ...resourceChannels,
  ...portabilityChannels,
} satisfies Record<string, ChannelDef>;

export const events = {
  ...appEvents,
  ...tenantEvents,
  ...keyEvents,
  ...isolationEvents,
  ...complianceEvents,
  ...accessEvents,
  ...mspEvents,
  ...userEvents,
  ...configEvents,
  ...pkiEvents,
  ...auditEvents,
  ...availabilityEvents,
  ...resourceEvents,
  ...portabilityEvents,
} satisfies Record<string, EventDef>;

export type Contract = typeof contract;
export type ChannelName = keyof Contract;
export type ChannelInput<C extends ChannelName> = z.input<Contract[C]['input']>;
export type ParsedInput<C extends ChannelName> = z.output<Contract[C]['input']>;
export type ChannelOutput<C extends ChannelName> = z.output<Contract[C]['output']>;
export type EventName = keyof typeof events;
export type EventPayload<E extends EventName> = z.output<(typeof events)[E]['payload']>;

export const channelNames = Object.keys(contract) as ChannelName[];
export function isChannelName(name: unknown): name is ChannelName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(contract, name);
}
export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(events, name);
}
