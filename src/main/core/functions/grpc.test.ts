import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import * as grpc from '@grpc/grpc-js'
import * as protoLoader from '@grpc/proto-loader'
import { ReflectionService } from '@grpc/reflection'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FunctionSchema } from '../../../shared/config/schema'
import { resetGrpcCaches, runGrpc, type GrpcFunction } from './grpc'
import { runFunction } from './run-function'
import { testContext } from './test-support'

const PROTO = `syntax = "proto3";
package calc;

message Pair {
  int32 a = 1;
  int32 b = 2;
  int64 big_value = 3;
  int32 delay_ms = 4;
}

message Product {
  int64 product = 1;
  string note_text = 2;
  Pair echo = 3;
}

service Calculator {
  rpc Multiply (Pair) returns (Product);
}
`

interface Pair {
  a: number
  b: number
  big_value: string
  delay_ms: number
}

let dir = ''
let withReflection: grpc.Server
let withoutReflection: grpc.Server
let addrReflect = ''
let addrPlain = ''

async function startServer(reflect: boolean): Promise<{ server: grpc.Server; address: string }> {
  const pkg = protoLoader.loadSync(path.join(dir, 'calc.proto'), {
    keepCase: true,
    longs: String,
    defaults: true
  })
  const service = pkg['calc.Calculator'] as grpc.ServiceDefinition
  const server = new grpc.Server()
  server.addService(service, {
    Multiply: (
      call: grpc.ServerUnaryCall<Pair, unknown>,
      callback: grpc.sendUnaryData<unknown>
    ) => {
      const { a, b, delay_ms } = call.request
      if (a < 0) {
        callback({ code: grpc.status.INVALID_ARGUMENT, details: 'a must not be negative' })
        return
      }
      const answer = (): void =>
        callback(null, {
          product: String(BigInt(a) * BigInt(b)),
          note_text: `big=${call.request.big_value}`,
          echo: call.request
        })
      if (delay_ms > 0) setTimeout(answer, delay_ms)
      else answer()
    }
  })
  if (reflect) new ReflectionService(pkg).addToServer(server)
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p)
    )
  )
  return { server, address: `127.0.0.1:${port}` }
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'llmnet-grpc-'))
  writeFileSync(path.join(dir, 'calc.proto'), PROTO)
  ;({ server: withReflection, address: addrReflect } = await startServer(true))
  ;({ server: withoutReflection, address: addrPlain } = await startServer(false))
})

afterAll(() => {
  resetGrpcCaches()
  withReflection.forceShutdown()
  withoutReflection.forceShutdown()
  rmSync(dir, { recursive: true, force: true })
})

const grpcFn = (fields: Partial<GrpcFunction>): GrpcFunction =>
  FunctionSchema.parse({
    type: 'grpc',
    service: 'calc.Calculator',
    method: 'Multiply',
    ...fields
  }) as GrpcFunction

describe('grpc functions', () => {
  it('calls a unary method with the service from the proto field, snake_case kept (fails if gRPC is unimplemented as in the Rust llmnet)', async () => {
    const def = grpcFn({
      address: '$ADDR',
      proto: 'calc.proto',
      request: { a: '$A', b: 7, big_value: '$BIG' }
    })
    const out = await runGrpc(
      def,
      testContext({ ADDR: addrPlain, A: 6, BIG: '9007199254740993' }, dir)
    )
    expect(out.output).toEqual({
      product: '42',
      note_text: 'big=9007199254740993',
      echo: { a: 6, b: 7, big_value: '9007199254740993', delay_ms: 0 }
    })
  })

  it('without proto the definition comes from server reflection (fails if reflection is not used)', async () => {
    const out = await runGrpc(
      grpcFn({ address: addrReflect, request: { a: 3, b: 5 } }),
      testContext({}, dir)
    )
    expect(out.output).toMatchObject({ product: '15', note_text: 'big=0' })
    // cached: a second call works the same
    const again = await runGrpc(
      grpcFn({ address: addrReflect, request: { a: 2, b: 2 } }),
      testContext({}, dir)
    )
    expect(again.output).toMatchObject({ product: '4' })
  })

  it('without proto and without reflection on the server it fails saying so (fails if the error is unclear)', async () => {
    const result = await runFunction(
      'calc',
      grpcFn({ address: addrPlain, request: { a: 1, b: 1 } }),
      testContext({}, dir)
    )
    expect(result.ok).toBe(false)
    expect(result.error).toMatch(
      /^function "calc" \(grpc\): server reflection failed \(UNIMPLEMENTED.*set "proto"/
    )
  })

  it('a slow answer fails with DEADLINE_EXCEEDED after about the timeout (fails if the deadline is not set)', async () => {
    const started = Date.now()
    const result = await runFunction(
      'calc',
      grpcFn({
        address: addrPlain,
        proto: 'calc.proto',
        timeout: 0.3,
        request: { a: 1, b: 1, delay_ms: 3000 }
      }),
      testContext({}, dir)
    )
    const elapsed = Date.now() - started
    expect(result).toMatchObject({
      ok: false,
      error: 'function "calc" (grpc): DEADLINE_EXCEEDED: no answer within 0.3s'
    })
    expect(elapsed).toBeGreaterThanOrEqual(250)
    expect(elapsed).toBeLessThan(2000)
  })

  it('an error status fails with its status name and details (fails if the gRPC error is lost)', async () => {
    const result = await runFunction(
      'calc',
      grpcFn({ address: addrReflect, request: { a: -1, b: 1 } }),
      testContext({}, dir)
    )
    expect(result).toMatchObject({
      ok: false,
      error: 'function "calc" (grpc): INVALID_ARGUMENT: a must not be negative'
    })
  })

  it('unknown services and methods are reported with what exists (fails if a typo gives an opaque error)', async () => {
    const badMethod = await runFunction(
      'calc',
      grpcFn({ address: addrPlain, proto: 'calc.proto', method: 'Divide' }),
      testContext({}, dir)
    )
    expect(badMethod.error).toBe(
      'function "calc" (grpc): method "Divide" not found in calc.Calculator (methods: Multiply)'
    )
    const badService = await runFunction(
      'calc',
      grpcFn({ address: addrPlain, proto: 'calc.proto', service: 'calc.Calc' }),
      testContext({}, dir)
    )
    expect(badService.error).toBe(
      'function "calc" (grpc): service "calc.Calc" not found in calc.proto (services: calc.Calculator)'
    )
    const missing = await runFunction(
      'calc',
      grpcFn({ address: addrPlain, proto: 'nope.proto' }),
      testContext({}, dir)
    )
    expect(missing.error).toBe('function "calc" (grpc): proto file not found: nope.proto')
  })
})
