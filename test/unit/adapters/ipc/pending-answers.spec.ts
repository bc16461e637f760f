import { PendingAnswers } from '../../../../lib/adapters/ipc/pending-answers';

describe('PendingAnswers', () => {
  afterEach(() => jest.useRealTimers());

  it('resolves a request with its answer, and forgets it', async () => {
    const answers = new PendingAnswers(1000);
    let id = -1;
    const answered = answers.request((requestId) => ((id = requestId), true));

    answers.settle(id, ['ada'], undefined);

    await expect(answered).resolves.toEqual(['ada']);
    expect(answers.size).toBe(0);
  });

  it('rejects at once a request the channel refused, with the reason', async () => {
    const answers = new PendingAnswers(1000);

    await expect(answers.request(() => false)).rejects.toThrow('the channel to the primary is full or closed');
    expect(answers.size).toBe(0);
  });

  it('rejects at once a request the channel threw on (a value it cannot clone), with the reason, and keeps no timer', async () => {
    const answers = new PendingAnswers(1000);

    const answered = answers.request(() => {
      throw new Error('() => 1 could not be cloned.');
    });

    await expect(answered).rejects.toThrow('the request could not be sent: () => 1 could not be cloned.');
    expect(answers.size).toBe(0);
  });

  it('rejects a request the primary does not answer within timeoutMs, and ignores the late answer', async () => {
    jest.useFakeTimers();
    const answers = new PendingAnswers(1000);
    let id = -1;
    const answered = answers.request((requestId) => ((id = requestId), true));

    jest.advanceTimersByTime(999);
    expect(answers.size).toBe(1);
    jest.advanceTimersByTime(1);
    await expect(answered).rejects.toThrow('the primary did not answer within 1000 ms');
    answers.settle(id, true, undefined);
    expect(answers.size).toBe(0);
  });

  it('rejects every request left when the channel closes', async () => {
    const answers = new PendingAnswers(1000);
    const requests = [answers.request(() => true), answers.request(() => true)];

    answers.failAll('the channel to the primary closed');

    for (const request of requests) await expect(request).rejects.toThrow('the channel to the primary closed');
    expect(answers.size).toBe(0);
  });
});
