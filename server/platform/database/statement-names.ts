// Names for prepared statements on PostgreSQL. Unnamed, every statement is parsed and planned again on
// each execution: for a project's read that was 1.9 ms of planning beside 0.3 ms of execution, the
// largest share of the database's CPU per request. A named statement is parsed once per connection,
// and after five executions PostgreSQL keeps a generic plan when it costs no more than the custom
// ones (test/api/projects/query-plans.test.ts checks those plans stay index-backed).
//
// By hand, because neither pg nor the Prisma adapter decides which statements deserve a name: the
// adapter asks for one per query (statementNameGenerator) and pg caches, per connection and without a
// bound, whatever is named. A list's SQL varies with its filters, so naming every text would grow
// each connection's statements without end. A text is named on its second sighting, and at most
// `limit` texts are ever named: each connection holds at most `limit` prepared statements.

/** How many texts seen once are remembered before the memory starts over. */
const SIGHTINGS_LIMIT = 10_000;

export class StatementNames {
  readonly #names = new Map<string, string>();
  #seenOnce = new Set<string>();

  readonly #limit: number;

  constructor(limit: number) {
    this.#limit = limit;
  }

  /** The name to prepare `sql` under, or undefined to send it unnamed. */
  nameFor(sql: string): string | undefined {
    const name = this.#names.get(sql);
    if (name !== undefined || this.#names.size >= this.#limit) return name;
    if (!this.#seenOnce.has(sql)) {
      if (this.#seenOnce.size >= SIGHTINGS_LIMIT) this.#seenOnce = new Set();
      this.#seenOnce.add(sql);
      return undefined;
    }
    this.#seenOnce.delete(sql);
    const named = `s${this.#names.size + 1}`;
    this.#names.set(sql, named);
    return named;
  }
}
