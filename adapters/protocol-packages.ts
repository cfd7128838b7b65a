/**
 * The protocol libraries each adapter needs. They are optional peer dependencies of this package (package.json
 * `peerDependencies`, all `optional` in `peerDependenciesMeta`): installing home-arbiter for Node-RED or for a home
 * without Zigbee brings none of them; a user adds those of the adapters they configure. The ranges here are the
 * ones package.json declares (a test keeps them equal).
 */
export const PROTOCOL_PACKAGES = {
  zigbee2mqtt: { mqtt: '^5.16.0' },
  // echonet-lite requires date-utils without declaring it.
  'echonet-lite': { 'echonet-lite': '2.16', 'date-utils': '^1.2.21' },
  'zigbee-herdsman': { 'zigbee-herdsman': '^10.9.5', 'zigbee-herdsman-converters': '^26.112.0' },
} as const satisfies Record<string, Record<string, string>>;

export type ProtocolAdapter = keyof typeof PROTOCOL_PACKAGES;

/** An adapter whose protocol library is not installed; the message says what to install. */
export class MissingPackageError extends Error {
  readonly code = 'MISSING_PACKAGE';

  constructor(
    readonly adapter: ProtocolAdapter,
    readonly packages: readonly string[],
  ) {
    const specs = packages.map((name) => `${name}@${(PROTOCOL_PACKAGES[adapter] as Record<string, string>)[name]}`);
    super(
      `the ${adapter} adapter needs the npm package${packages.length > 1 ? 's' : ''} ${packages.map((p) => `"${p}"`).join(' and ')}, ` +
        `which ${packages.length > 1 ? 'are' : 'is'} not installed: run \`npm install ${specs.join(' ')}\` where home-arbiter is installed`,
    );
    this.name = 'MissingPackageError';
  }
}

/** Throws a `MissingPackageError` naming every library of `adapter` that cannot be found; each entry point calls it first. */
export function requireProtocolPackages(adapter: ProtocolAdapter): void {
  const missing = Object.keys(PROTOCOL_PACKAGES[adapter]).filter((name) => !resolvable(name));
  if (missing.length > 0) throw new MissingPackageError(adapter, missing);
}

function resolvable(name: string): boolean {
  try {
    require.resolve(name);
    return true;
  } catch {
    return false; // not installed: the caller names it
  }
}
