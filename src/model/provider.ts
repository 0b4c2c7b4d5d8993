/** The vendors behind the gateway, as the schema's `Provider` enum names them. */
export const PROVIDERS = ['IWERP', 'POPSELL', 'MESSENGER'] as const;
export type Provider = (typeof PROVIDERS)[number];

/** The lower-case key of each provider: folder names, config prefixes, metric labels. */
export const PROVIDER_KEYS = ['iwerp', 'popsell', 'messenger'] as const;
export type ProviderKey = (typeof PROVIDER_KEYS)[number];

export const providerKey = (provider: Provider): ProviderKey => provider.toLowerCase() as ProviderKey;
