// Amounts of money as the API writes them.
type Decimalish = { toFixed(digits: number): string; toNumber(): number };

export function money(value: Decimalish): string {
  return value.toFixed(2);
}
