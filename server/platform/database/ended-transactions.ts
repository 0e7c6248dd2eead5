// Makes an interactive transaction unusable the moment it ends, whatever still holds it.
//
// Prisma's transaction manager ends a transaction (commit, rollback, or its timeout firing) without
// waiting for the query plans that are running in it: the query interpreter holds the driver
// adapter's transaction object for a whole plan (a nested create, a createMany in chunks, a
// read-back are several statements), and the adapters keep sending on that object after its end:
// @prisma/adapter-pg on the connection it has released to the pool (so in autocommit, or inside
// another request's transaction), the PGlite adapter after its ROLLBACK. A plan cut by a timeout
// therefore wrote its remaining statements outside the transaction. This wrapper sits between
// Prisma and the adapter: once the end is issued, every further statement of that transaction is
// refused here and never reaches the database. The same holds for statements sent on the
// transaction's connection directly (transactionConnections below).
import { AsyncLocalStorage } from 'node:async_hooks';
import {
  DriverAdapterError,
  type IsolationLevel,
  type SqlDriverAdapter,
  type SqlDriverAdapterFactory,
  type SqlQuery,
  type SqlResultSet,
  type Transaction,
} from '@prisma/driver-adapter-utils';
import type { Queryable } from './driver-statements.ts';

/** The statements by which Prisma ends a transaction on adapters that do not end it themselves. */
const ENDING_STATEMENT = /^\s*(COMMIT|ROLLBACK)\s*;?\s*$/i;

export const ENDED_TRANSACTION_MESSAGE = 'The transaction has already ended: the statement was not sent.';

/** The adapter transaction's driver connection: @prisma/adapter-pg keeps its pool client as `client`. */
function driverConnectionOf(transaction: Transaction): Queryable | undefined {
  const client = (transaction as { client?: Partial<Queryable> }).client;
  return typeof client?.query === 'function' ? client as Queryable : undefined;
}

class EndedTransactionGuard implements Transaction {
  readonly provider: Transaction['provider'];
  readonly adapterName: string;
  readonly options: Transaction['options'];
  readonly #inner: Transaction;
  #ended = false;

  constructor(inner: Transaction) {
    this.#inner = inner;
    this.provider = inner.provider;
    this.adapterName = inner.adapterName;
    this.options = inner.options;
  }

  /** Throws once the transaction has ended; marks it ended when `sql` is what ends it. */
  #admit(sql?: string): void {
    if (this.#ended) throw new DriverAdapterError({ kind: 'TransactionAlreadyClosed', cause: ENDED_TRANSACTION_MESSAGE });
    if (sql !== undefined && ENDING_STATEMENT.test(sql)) this.#ended = true;
  }

  // async: a refusal is a rejected promise, as the adapter's own errors are. The check itself runs
  // at the call, before anything is queued behind the end.
  async queryRaw(query: SqlQuery): Promise<SqlResultSet> {
    this.#admit(query.sql);
    return this.#inner.queryRaw(query);
  }

  async executeRaw(query: SqlQuery): Promise<number> {
    this.#admit(query.sql);
    return this.#inner.executeRaw(query);
  }

  /**
   * The transaction's connection, for statements sent on it directly: refused, as queryRaw's are,
   * once the transaction has ended. Undefined for an adapter that does not expose one.
   */
  connection(): Queryable | undefined {
    const connection = driverConnectionOf(this.#inner);
    if (!connection) return undefined;
    return {
      query: async (config) => {
        this.#admit();
        return connection.query(config);
      },
    };
  }

  async commit(): Promise<void> {
    this.#ended = true;
    await this.#inner.commit();
  }

  async rollback(): Promise<void> {
    this.#ended = true;
    await this.#inner.rollback();
  }

  async createSavepoint(name: string): Promise<void> {
    this.#admit();
    await this.#inner.createSavepoint?.(name);
  }

  async rollbackToSavepoint(name: string): Promise<void> {
    this.#admit();
    await this.#inner.rollbackToSavepoint?.(name);
  }

  async releaseSavepoint(name: string): Promise<void> {
    this.#admit();
    await this.#inner.releaseSavepoint?.(name);
  }
}

class GuardedAdapter implements SqlDriverAdapter {
  readonly provider: SqlDriverAdapter['provider'];
  readonly adapterName: string;
  readonly #inner: SqlDriverAdapter;

  constructor(inner: SqlDriverAdapter) {
    this.#inner = inner;
    this.provider = inner.provider;
    this.adapterName = inner.adapterName;
  }

  queryRaw(query: SqlQuery): Promise<SqlResultSet> { return this.#inner.queryRaw(query); }
  executeRaw(query: SqlQuery): Promise<number> { return this.#inner.executeRaw(query); }
  executeScript(script: string): Promise<void> { return this.#inner.executeScript(script); }
  getConnectionInfo() { return this.#inner.getConnectionInfo?.() ?? { supportsRelationJoins: false }; }
  dispose(): Promise<void> { return this.#inner.dispose(); }

  async startTransaction(isolationLevel?: IsolationLevel): Promise<Transaction> {
    const guard = new EndedTransactionGuard(await this.#inner.startTransaction(isolationLevel));
    const starting = startingTransactions.getStore();
    if (starting) starting.guard = guard;
    return guard;
  }
}

/** Where `prisma.$transaction`, as transactionConnections wraps it, learns the guard of the transaction it starts. */
const startingTransactions = new AsyncLocalStorage<{ guard?: EndedTransactionGuard }>();

/**
 * Calls `opened(tx, connection)` with each interactive transaction's client and its guarded
 * connection before the transaction's callback runs. Prisma gives a callback no handle on its
 * transaction's connection, so the client's `$transaction` is wrapped: the adapter starts the
 * transaction (GuardedAdapter.startTransaction) inside the call, where it finds this call's slot.
 */
export function transactionConnections<Client extends { $transaction: unknown }, Tx>(prisma: Client, opened: (tx: Tx, connection: Queryable) => void): void {
  const begin = (prisma.$transaction as (...args: unknown[]) => Promise<unknown>).bind(prisma);
  const $transaction = (work: unknown, ...options: unknown[]) => {
    if (typeof work !== 'function') return begin(work, ...options);
    const starting: { guard?: EndedTransactionGuard } = {};
    return startingTransactions.run(starting, () => begin((tx: Tx) => {
      const connection = starting.guard?.connection();
      if (connection) opened(tx, connection);
      return work(tx);
    }, ...options));
  };
  Object.defineProperty(prisma, '$transaction', { value: $transaction, configurable: true, writable: true });
}

/** `factory`'s adapters, with transactions that refuse every statement once they have ended. */
export function refuseStatementsAfterTransactionEnd(factory: SqlDriverAdapterFactory): SqlDriverAdapterFactory {
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: async () => new GuardedAdapter(await factory.connect()),
  };
}
