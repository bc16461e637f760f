// The conformance-h2 Jest project: echo-suite.ts connects over HTTP/2 (RFC 8441) when this is set.
process.env.CONFORMANCE_OVER_HTTP2 = '1';
