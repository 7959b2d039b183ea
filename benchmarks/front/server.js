'use strict';
/*
 * A gRPC front outside Python, for measurement only (issue 17, item 5): benchmarks/front_bench.py
 * starts it. It serves the `gateway_protocol.Gateway` service with grpc-js but never decodes protobuf:
 * every call's method name, its `authorization` metadata and its raw request bytes go over one Unix
 * socket to a back end (the engine's stand-in), and the back end's raw response bytes (or a gRPC status
 * and message) go back to the client. Calls in flight at the same time share a socket write.
 *
 *   node benchmarks/front/server.js --port 26500 --socket /tmp/engine.sock [--proto zeebe.proto]
 *   node benchmarks/front/server.js --port 26500 --empty      (grpc-js's own floor: answers itself)
 *
 * Framing (every integer big-endian), each frame `u32 length` + body:
 *   front -> back  id:u32 kind:u8 (0 call, 1 cancel) | call: methodLen:u8 method authLen:u16 auth payload
 *   back -> front  id:u32 kind:u8 (0 message, 1 status, 2 last message of a unary call) |
 *                  message: payload | status: code:u32 utf-8 details (code 0 ends a stream)
 */

const net = require('node:net');
const path = require('node:path');

const NODE_MODULES = path.resolve(__dirname, '../../tools/node/node_modules');
const grpc = require(path.join(NODE_MODULES, '@grpc/grpc-js'));
const protoLoader = require(path.join(NODE_MODULES, '@grpc/proto-loader'));

const CALL = 0;
const CANCEL = 1;
const MESSAGE = 0;
const STATUS = 1;
const UNARY_MESSAGE = 2;

function parseArgs(argv) {
  const args = {
    port: 26500,
    socket: null,
    empty: false,
    proto: path.join(NODE_MODULES, '@camunda8/sdk/dist/proto/zeebe.proto'),
  };
  for (let i = 0; i < argv.length; i += 1) {
    const name = argv[i];
    if (name === '--empty') args.empty = true;
    else if (name === '--port') args.port = Number(argv[(i += 1)]);
    else if (name === '--socket') args.socket = argv[(i += 1)];
    else if (name === '--proto') args.proto = argv[(i += 1)];
    else throw new Error(`unknown argument ${name}`);
  }
  if (!args.empty && !args.socket) throw new Error('--socket PATH (or --empty) is required');
  return args;
}

const identity = (buffer) => buffer;

/** The Gateway's methods from its .proto, with Buffers in and out: grpc-js never touches protobuf. */
function rawGatewayService(protoPath) {
  const definition = protoLoader.loadSync(protoPath, { keepCase: true });
  const service = definition['gateway_protocol.Gateway'];
  const raw = {};
  for (const [name, method] of Object.entries(service)) {
    raw[name] = {
      path: method.path,
      requestStream: method.requestStream,
      responseStream: method.responseStream,
      originalName: name,
      requestSerialize: identity,
      requestDeserialize: identity,
      responseSerialize: identity,
      responseDeserialize: identity,
    };
  }
  return raw;
}

/** One Unix-socket link to the back end: frames out batched per event-loop turn, frames in parsed. */
class BackendLink {
  constructor(socketPath) {
    this.pending = new Map();
    this.nextId = 1;
    this.queue = [];
    this.flushScheduled = false;
    this.buffered = null;
    this.socket = net.createConnection(socketPath);
    this.socket.setNoDelay(true);
    this.socket.on('data', (chunk) => this.onData(chunk));
    this.socket.on('error', (error) => {
      console.error(`front: back end link failed: ${error.message}`);
      process.exit(1);
    });
    this.socket.on('close', () => process.exit(0));
  }

  send(id, kind, method, authorization, payload) {
    if (kind === CANCEL) {
      const frame = Buffer.allocUnsafe(9);
      frame.writeUInt32BE(5, 0);
      frame.writeUInt32BE(id, 4);
      frame.writeUInt8(CANCEL, 8);
      this.enqueue(frame);
      return;
    }
    const methodLength = Buffer.byteLength(method);
    const authLength = Buffer.byteLength(authorization);
    const headerLength = 4 + 4 + 1 + 1 + methodLength + 2 + authLength;
    const header = Buffer.allocUnsafe(headerLength);
    header.writeUInt32BE(headerLength - 4 + payload.length, 0);
    header.writeUInt32BE(id, 4);
    header.writeUInt8(CALL, 8);
    header.writeUInt8(methodLength, 9);
    header.write(method, 10, 'latin1');
    header.writeUInt16BE(authLength, 10 + methodLength);
    if (authLength) header.write(authorization, 12 + methodLength, 'utf8');
    this.enqueue(header);
    if (payload.length) this.enqueue(payload);
  }

  enqueue(buffer) {
    this.queue.push(buffer);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush()); // after this turn's I/O: every call that arrived shares one write
    }
  }

  flush() {
    this.flushScheduled = false;
    const frames = this.queue;
    this.queue = [];
    this.socket.write(frames.length === 1 ? frames[0] : Buffer.concat(frames));
  }

  onData(chunk) {
    let data = this.buffered ? Buffer.concat([this.buffered, chunk]) : chunk;
    let offset = 0;
    while (data.length - offset >= 4) {
      const size = data.readUInt32BE(offset);
      if (data.length - offset - 4 < size) break;
      this.onFrame(data.subarray(offset + 4, offset + 4 + size));
      offset += 4 + size;
    }
    this.buffered = offset < data.length ? data.subarray(offset) : null;
  }

  onFrame(frame) {
    const id = frame.readUInt32BE(0);
    const kind = frame.readUInt8(4);
    const call = this.pending.get(id);
    if (call === undefined) return; // cancelled by the client meanwhile
    if (kind === UNARY_MESSAGE) {
      this.pending.delete(id);
      call.callback(null, frame.subarray(5));
    } else if (kind === MESSAGE) {
      call.stream.write(frame.subarray(5));
    } else if (kind === STATUS) {
      this.pending.delete(id);
      const code = frame.readUInt32BE(5);
      const details = frame.toString('utf8', 9);
      if (call.callback) call.callback({ code: code || grpc.status.INTERNAL, details });
      else if (code === 0) call.stream.end();
      else call.stream.emit('error', { code, details });
    }
  }

  /** A handler for one method: unary calls wait for one answer, server streams take many. */
  handler(name, method) {
    if (method.responseStream) {
      return (stream) => {
        const id = this.nextId++;
        this.pending.set(id, { stream });
        stream.on('cancelled', () => {
          if (this.pending.delete(id)) this.send(id, CANCEL);
        });
        this.send(id, CALL, name, authorizationOf(stream.metadata), stream.request);
      };
    }
    return (call, callback) => {
      const id = this.nextId++;
      this.pending.set(id, { callback });
      call.on('cancelled', () => {
        if (this.pending.delete(id)) this.send(id, CANCEL);
      });
      this.send(id, CALL, name, authorizationOf(call.metadata), call.request);
    };
  }
}

function authorizationOf(metadata) {
  const values = metadata.get('authorization');
  return values.length ? String(values[0]) : '';
}

function emptyHandler(method) {
  if (method.responseStream) return (stream) => stream.end();
  return (call, callback) => callback(null, Buffer.alloc(0));
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const service = rawGatewayService(args.proto);
  const link = args.empty ? null : new BackendLink(args.socket);
  const implementation = {};
  for (const [name, method] of Object.entries(service)) {
    implementation[name] = link ? link.handler(name, method) : emptyHandler(method);
  }
  const server = new grpc.Server();
  server.addService(service, implementation);
  server.bindAsync(`127.0.0.1:${args.port}`, grpc.ServerCredentials.createInsecure(), (error) => {
    if (error) {
      console.error(`front: cannot listen on ${args.port}: ${error.message}`);
      process.exit(1);
    }
    console.log(`front: listening on 127.0.0.1:${args.port}`);
  });
  for (const signal of ['SIGTERM', 'SIGINT']) {
    process.on(signal, () => server.tryShutdown(() => process.exit(0)));
  }
}

main();
