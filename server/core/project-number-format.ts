// PROJECT_NUMBER_FORMAT: the template new project numbers are made from (`P-{seq:5}`, `{client}-{seq:4}`).
/** A parsed PROJECT_NUMBER_FORMAT. */
export interface ProjectNumberFormat {
  /** The template as configured, e.g. `{client}-{seq:4}`. */
  template: string;
  /** Digits the counter is padded to with zeros (more digits are kept once it outgrows them). */
  digits: number;
  /** True when the template holds `{client}`: then each client's projects are counted apart. */
  perClient: boolean;
}

export const COUNTER = /\{seq(?::(\d{1,2}))?\}/g;
const TOKEN = /\{[^}]*\}/g;
/** Literal characters allowed around the tokens: what reads well in a URL, a filename and a search. */
const LITERAL = /^[A-Za-z0-9._\-/#]*$/;

/** The format, or an explanation of what is wrong with it (the config reports it with the variable's name). */
export function parseProjectNumberFormat(template: string): ProjectNumberFormat | string {
  const counters = [...template.matchAll(COUNTER)];
  if (counters.length !== 1) return 'must hold the counter exactly once, as {seq} or {seq:N} (N digits, 1 to 12)';
  const digits = Number(counters[0]![1] ?? 1);
  if (digits < 1 || digits > 12) return 'pads the counter to 1 to 12 digits ({seq:1} … {seq:12})';
  const others = template.replace(COUNTER, '').match(TOKEN) ?? [];
  if (others.some((token) => token !== '{client}') || others.length > 1) return 'may hold {client} once besides {seq}; no other {…} token';
  // Client codes are letters and digits: a separator after one keeps `A` + `11` apart from `A1` + `1`.
  if (others.length === 1 && !/\{client\}[._\-/#]/.test(template)) return 'must follow {client} with one of . _ - / # (as in {client}-{seq:4})';
  if (!LITERAL.test(template.replace(TOKEN, ''))) return 'may hold only letters, digits and . _ - / # besides its tokens';
  if (template.length > 40) return 'must be at most 40 characters long';
  return { template, digits, perClient: others.length === 1 };
}
