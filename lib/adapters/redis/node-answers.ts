interface PendingQuestion {
  answers: unknown[];
  /** How many nodes got the question: known once PUBLISH returns (Infinity until then). */
  expected: number;
  resolve(answers: unknown[]): void;
  timer: NodeJS.Timeout;
}

/**
 * Questions put to the live nodes over pub/sub (nodes(), rooms(), roomsOf()), as socket.io's Redis
 * adapter does: no global key lists the nodes, so the asker publishes once, learns from PUBLISH how
 * many nodes got it, and collects that many answers, or what came within `timeoutMs`.
 */
export class NodeAnswers {
  private readonly pending = new Map<string, PendingQuestion>();

  constructor(private readonly timeoutMs: number) {}

  /** Questions waiting for answers (each holds one timer). */
  get size(): number {
    return this.pending.size;
  }

  /** Registered before the question is published: answers may arrive before PUBLISH returns. */
  expect(requestId: string): Promise<unknown[]> {
    return new Promise<unknown[]>((resolve) => {
      const timer = setTimeout(() => this.finish(requestId), this.timeoutMs);
      timer.unref();
      this.pending.set(requestId, { answers: [], expected: Infinity, resolve, timer });
    });
  }

  /** PUBLISH said how many nodes got the question (0: it could not go, the answers are in). */
  published(requestId: string, receivers: number): void {
    const question = this.pending.get(requestId);
    if (!question) return;
    question.expected = receivers;
    if (question.answers.length >= receivers) this.finish(requestId);
  }

  answer(requestId: string, body: unknown): void {
    const question = this.pending.get(requestId);
    if (!question) return; // late (past the timeout) or not ours
    question.answers.push(body);
    if (question.answers.length >= question.expected) this.finish(requestId);
  }

  /** At shutdown: every asker gets what arrived. */
  finishAll(): void {
    for (const requestId of [...this.pending.keys()]) this.finish(requestId);
  }

  private finish(requestId: string): void {
    const question = this.pending.get(requestId);
    if (!question) return;
    clearTimeout(question.timer);
    this.pending.delete(requestId);
    question.resolve(question.answers);
  }
}
