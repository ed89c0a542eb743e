import { validateBindings } from './kafka.consumer';

class A {
  async handle() {}
}
class B {
  async handle() {}
}

describe('validateBindings', () => {
  it('accepts one handler per topic', () => {
    expect(() =>
      validateBindings([
        { topic: 'requestEvents', group: 'g', handler: A },
        { topic: 'deadLetters', group: 'g2', handler: B },
      ]),
    ).not.toThrow();
  });
  it('refuses two handlers for the same topic', () => {
    expect(() =>
      validateBindings([
        { topic: 'requestEvents', group: 'g', handler: A },
        { topic: 'requestEvents', group: 'g2', handler: B },
      ]),
    ).toThrow(/more than one handler/);
  });
  it('refuses a topic without a handler', () => {
    expect(() =>
      validateBindings([{ topic: 'requestEvents', group: 'g', handler: undefined as never }]),
    ).toThrow(/has no handler/);
  });
  it('refuses an undeclared topic', () => {
    expect(() => validateBindings([{ topic: 'nope' as never, group: 'g', handler: A }])).toThrow(
      /unknown topic/,
    );
  });
});
