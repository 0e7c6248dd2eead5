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
// refused here and never reaches the database.
import {
  DriverAdapterError,
  type IsolationLevel,
  type SqlDriverAdapter,
  type SqlDriverAdapterFactory,
  type SqlQuery,
  type SqlResultSet,
  type Transaction,
} from '@prisma/driver-adapter-utils';

/** The statements by which Prisma ends a transaction on adapters that do not end it themselves. */
const ENDING_STATEMENT = /^\s*(COMMIT|ROLLBACK)\s*;?\s*$/i;

export const ENDED_TRANSACTION_MESSAGE = 'The transaction has already ended: the statement was not sent.';

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
    return new EndedTransactionGuard(await this.#inner.startTransaction(isolationLevel));
  }
}

/** `factory`'s adapters, with transactions that refuse every statement once they have ended. */
export function refuseStatementsAfterTransactionEnd(factory: SqlDriverAdapterFactory): SqlDriverAdapterFactory {
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: async () => new GuardedAdapter(await factory.connect()),
  };
}
