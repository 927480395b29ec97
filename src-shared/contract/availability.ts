/**
 * Availability per tenant, cluster health and capacity (issue 12 items 1, 2 and 5). Being built:
 * the availability helper declares the channels here.
 */
export const availabilityChannels = {};
export const availabilityEvents = {};
