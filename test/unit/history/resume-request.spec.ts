import { resolveHistoryOptions } from '../../../lib/history/history-options.interface';
import { MAX_RESUME_ROOMS } from '../../../lib/wire/resume';
import { parseResumeRequest } from '../../../lib/history/resume-request';

// The malformed inputs are a table in test/e2e/history/history.malformed-resume.e2e-spec.ts (answered BAD_MESSAGE).
describe('parseResumeRequest', () => {
  it.each([
    ['a session alone', { session: 's' }, { session: 's' }],
    ['no rooms yet', { session: 's', rooms: {} }, { session: 's', rooms: {} }],
    ['offset 0', { session: 's', rooms: { a: { offset: 0, epoch: '' } } }, { session: 's', rooms: { a: { offset: 0, epoch: '' } } }],
    [`${MAX_RESUME_ROOMS} rooms`, { session: 's', rooms: roomsOf(MAX_RESUME_ROOMS) }, { session: 's', rooms: roomsOf(MAX_RESUME_ROOMS) }],
  ])('accepts %s', (_what, data, request) => {
    expect(parseResumeRequest(data)).toEqual({ ok: true, request });
  });
});

describe('history.sessionPaths', () => {
  it('gives sessions to every gateway by default, else to the listed paths only', () => {
    expect(resolveHistoryOptions({ rooms: [] }).hasSessions('/echo')).toBe(true);
    const listed = resolveHistoryOptions({ rooms: [], sessionPaths: ['/chat'] });
    expect([listed.hasSessions('/chat'), listed.hasSessions('/echo')]).toEqual([true, false]);
  });
});

function roomsOf(count: number): Record<string, { offset: number; epoch: string }> {
  return Object.fromEntries(Array.from({ length: count }, (_, i) => [`r${i}`, { offset: i, epoch: 'e' }]));
}
