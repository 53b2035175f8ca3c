import type { StoredEvent } from '../../feed/feed.repository.js';
import { brokerMessage } from './broker-message.js';

const stored = (over: Partial<StoredEvent>): StoredEvent => ({
  sequence: '42', xid: '7', sourceId: '5f0c1c7e-2b1a-4d7e-9a53-0c2d7f9a1b11', source: 'urn:plaza:city:air:1', id: 'reading-1', type: 'org.plaza.air-quality-observation',
  timeText: '2026-01-01T00:00:00Z', receivedAt: new Date('2026-01-01T00:00:01.250Z'), mode: 'structured', scheme: 'd54e6bb', keyid: 'k', received: Buffer.from('{"id":"reading-1"}'),
  headers: null, standard: 'air-quality-observation', major: 1, ...over,
});

describe('brokerMessage', () => {
  it('sends a structured event as received, on the subject of its source id, as application/cloudevents+json', () => {
    const event = stored({});
    const message = brokerMessage('plaza.events', event);
    expect(message.subject).toBe('plaza.events.5f0c1c7e-2b1a-4d7e-9a53-0c2d7f9a1b11');
    expect(message.data).toBe(event.received);
    expect(message.headers).toEqual([['content-type', 'application/cloudevents+json'], ['plaza-sequence', '42'], ['plaza-received-at', '2026-01-01T00:00:01.250Z']]);
  });

  it('keeps every header a binary event was received with, values untouched, names lowercased', () => {
    const headers: [string, string][] = [['Content-Type', 'application/json'], ['ce-id', 'reading-1'], ['CE-Subject', 'Euro%20%E2%82%AC'], ['ce-dssematerial', 'eyJ0eXBlIjoi+/==']];
    const message = brokerMessage('p', stored({ mode: 'binary', headers, received: Buffer.from('{"a": 1}') }));
    expect(message.data.toString()).toBe('{"a": 1}');
    expect(message.headers.slice(0, 4)).toEqual([['content-type', 'application/json'], ['ce-id', 'reading-1'], ['ce-subject', 'Euro%20%E2%82%AC'], ['ce-dssematerial', 'eyJ0eXBlIjoi+/==']]);
  });

  it('identifies the message by source and id, separated by a space', () => {
    expect(brokerMessage('p', stored({ id: 'urn:uuid:0b6b3c8e-1a2b-4c3d-8e9f-000000000001' })).msgID).toBe('urn:plaza:city:air:1 urn:uuid:0b6b3c8e-1a2b-4c3d-8e9f-000000000001');
  });

  it('percent-encodes an id a NATS header could not carry, so distinct ids keep distinct message ids', () => {
    const ids = ['a\r\nNats-Expected-Stream: x', ' a ', 'a', 'a%20', 'é'];
    const msgIDs = ids.map((id) => brokerMessage('p', stored({ id })).msgID);
    expect(msgIDs).toEqual([
      'urn:plaza:city:air:1 a%0D%0ANats-Expected-Stream:%20x', 'urn:plaza:city:air:1 %20a%20', 'urn:plaza:city:air:1 a', 'urn:plaza:city:air:1 a%2520', 'urn:plaza:city:air:1 %C3%A9',
    ]);
    expect(msgIDs.every((msgID) => !/[\r\n]/.test(msgID))).toBe(true);
  });
});
