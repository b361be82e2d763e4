const SUFFIX_FACTORS: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  Ti: 1024 ** 4,
  Pi: 1024 ** 5,
  Ei: 1024 ** 6,
};

/** Parses a Kubernetes resource quantity (`250m`, `512Mi`, `1.5`, `2e3`) into base units (cores or bytes). */
export function parseKubeQuantity(quantity: string): number {
  const match = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(n|u|m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei))?$/.exec(
    quantity.trim(),
  );
  if (!match?.[1]) throw new Error(`invalid Kubernetes quantity: ${JSON.stringify(quantity)}`);
  const base = Number(match[1]);
  if (match[2]) return base * 10 ** Number(match[2].slice(1));
  return base * (SUFFIX_FACTORS[match[3] ?? ''] ?? 1);
}

/** Formats CPU the way metrics-server reports it: integer nanocores, e.g. `250000000n`. */
export function formatNanoCores(quantity: string): string {
  return `${Math.round(parseKubeQuantity(quantity) * 1e9)}n`;
}

/** Formats memory the way metrics-server reports it: integer kibibytes, e.g. `524288Ki`. */
export function formatKibibytes(quantity: string): string {
  return `${Math.round(parseKubeQuantity(quantity) / 1024)}Ki`;
}
