import { clientErrorResponse, connectionsCheckingInterval } from './http-app';

describe('clientErrorResponse', () => {
  const parse = (raw: string) => {
    const [head, body] = raw.split('\r\n\r\n');
    const [statusLine, ...headers] = head.split('\r\n');
    return { statusLine, headers, body: JSON.parse(body) as unknown, length: body.length };
  };

  it('answers headers over the limit with 431 in the OpenAI error shape, and closes', () => {
    const res = parse(clientErrorResponse({ code: 'HPE_HEADER_OVERFLOW' }));
    expect(res.statusLine).toBe('HTTP/1.1 431 Request Header Fields Too Large');
    expect(res.headers).toContain('Connection: close');
    expect(res.headers).toContain(`Content-Length: ${res.length}`);
    expect(res.body).toEqual({
      error: {
        message: expect.any(String) as unknown,
        type: 'invalid_request_error',
        code: 'headers_too_large',
        param: null,
      },
    });
  });

  it('answers other parser errors with 400 and slow requests with 408', () => {
    expect(parse(clientErrorResponse({ code: 'HPE_INVALID_METHOD' })).statusLine).toBe(
      'HTTP/1.1 400 Bad Request',
    );
    const slow = parse(clientErrorResponse({ code: 'ERR_HTTP_REQUEST_TIMEOUT' }));
    expect(slow.statusLine).toBe('HTTP/1.1 408 Request Timeout');
    expect(slow.body).toMatchObject({ error: { code: 'request_timeout' } });
  });
});

describe('connectionsCheckingInterval', () => {
  it('looks for late requests often enough that none runs much past its time', () => {
    expect(connectionsCheckingInterval(30_000)).toBe(3_000);
    expect(connectionsCheckingInterval(1_000)).toBe(100);
    expect(connectionsCheckingInterval(100)).toBe(100);
    expect(connectionsCheckingInterval(600_000)).toBe(5_000);
  });
});
