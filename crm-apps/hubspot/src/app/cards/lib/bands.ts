/** Band label -> Tag colour. The example rules use 高/中/低; common English labels map the same way. */

/** The Tag variants of @hubspot/ui-extensions the card uses for bands. */
export type BandVariant = 'error' | 'warning' | 'default' | 'info';

const BAND_VARIANTS: Record<string, BandVariant> = {
  高: 'error',
  high: 'error',
  hot: 'error',
  中: 'warning',
  medium: 'warning',
  mid: 'warning',
  warm: 'warning',
  低: 'default',
  low: 'default',
  cold: 'default',
};

/**
 * 高 red, 中 amber, 低 grey; a label the card does not know (a band renamed in the rules)
 * gets the neutral blue, so it is never mistaken for a known band.
 */
export function bandVariant(band: string | null | undefined): BandVariant {
  const key = (band ?? '').trim().toLowerCase();
  return BAND_VARIANTS[key] ?? 'info';
}
