/**
 * @module `"type": "grpc"` functions: one unary call over plaintext HTTP/2 (the Rust llmnet never
 * implemented gRPC). The service definition comes from the `proto` file when given, otherwise
 * from the server's reflection service.
 */
import { stat } from 'node:fs/promises'
import path from 'node:path'
import type * as grpc from '@grpc/grpc-js'
import type * as protoLoader from '@grpc/proto-loader'
import type { Client as ReflectionClientType } from 'grpc-reflection-js'
import type { FunctionDefinition } from '../../../shared/config/schema'
import { loadGrpc } from '../lazy'
import { type Deadline, startDeadline } from './deadline'
import { substituteJson, substituteString } from './substitute'
import { type FunctionContext, FunctionError, type RunnerOutput } from './types'

/** A gRPC function definition. */
export type GrpcFunction = Extract<FunctionDefinition, { type: 'grpc' }>

// Field names as written in the .proto; int64 as strings, enums as names and bytes as base64,
// so that the result is plain JSON.
const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: String,
  enums: String,
  bytes: String,
  defaults: true,
  oneofs: true
}

type AnyMethod = protoLoader.MethodDefinition<object, object>

/** The gRPC libraries, loaded on the first gRPC call: they cost start-up time otherwise. */
interface GrpcLibs {
  grpc: typeof grpc
  protoLoader: typeof protoLoader
  ReflectionClient: typeof ReflectionClientType
}

let libs: Promise<GrpcLibs> | undefined

function loadLibs(): Promise<GrpcLibs> {
  libs ??= loadGrpc().then(([grpcLib, loader, reflection]) => ({
    grpc: grpcLib,
    protoLoader: loader,
    ReflectionClient: reflection.Client
  }))
  return libs
}

// Channels per address; definitions per proto file (+ mtime) or per address + service.
const clients = new Map<string, grpc.Client>()
const protoCache = new Map<string, protoLoader.PackageDefinition>()
const reflectionCache = new Map<string, Promise<protoLoader.ServiceDefinition>>()

/** Closes the cached channels and forgets every cached service definition (shutdown, reload). */
export function resetGrpcCaches(): void {
  for (const client of clients.values()) client.close()
  clients.clear()
  protoCache.clear()
  reflectionCache.clear()
}

function clientFor({ grpc }: GrpcLibs, address: string): grpc.Client {
  let client = clients.get(address)
  if (!client) {
    client = new grpc.Client(address, grpc.credentials.createInsecure())
    clients.set(address, client)
  }
  return client
}

function isService(
  def: protoLoader.AnyDefinition | undefined
): def is protoLoader.ServiceDefinition {
  return def !== undefined && !('format' in def && typeof def.format === 'string')
}

function findService(
  pkg: protoLoader.PackageDefinition,
  service: string,
  where: string
): protoLoader.ServiceDefinition {
  const def = pkg[service.replace(/^\./, '')]
  if (isService(def)) return def
  const known = Object.keys(pkg).filter((key) => isService(pkg[key]))
  throw new FunctionError(
    `service "${service}" not found in ${where}${known.length ? ` (services: ${known.join(', ')})` : ''}`
  )
}

async function loadFromProto(
  { protoLoader }: GrpcLibs,
  file: string,
  service: string,
  baseDir: string
): Promise<protoLoader.ServiceDefinition> {
  const abs = path.resolve(baseDir, file)
  let mtime: number
  try {
    mtime = (await stat(abs)).mtimeMs
  } catch {
    throw new FunctionError(`proto file not found: ${file}`)
  }
  const key = `${abs}\0${mtime}`
  let pkg = protoCache.get(key)
  if (!pkg) {
    try {
      pkg = protoLoader.loadSync(abs, { ...LOADER_OPTIONS, includeDirs: [path.dirname(abs)] })
    } catch (err) {
      throw new FunctionError(`cannot load ${file}: ${(err as Error).message}`)
    }
    protoCache.set(key, pkg)
  }
  return findService(pkg, service, file)
}

/** Rejects when the deadline fires; `onAbort` releases what the pending work holds. */
function untilDeadline<T>(work: Promise<T>, deadline: Deadline, onAbort: () => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const abort = (): void => {
      onAbort()
      reject(deadline.reason())
    }
    if (deadline.signal.aborted) return abort()
    deadline.signal.addEventListener('abort', abort, { once: true })
    work.then(resolve, reject).finally(() => deadline.signal.removeEventListener('abort', abort))
  })
}

async function fetchByReflection(
  { grpc, protoLoader, ReflectionClient }: GrpcLibs,
  address: string,
  service: string,
  timeoutMs: number
): Promise<protoLoader.ServiceDefinition> {
  const reflection = new ReflectionClient(address, grpc.credentials.createInsecure())
  // The package's typings leave its client untyped; it is a grpc-js Client.
  const channel = reflection.grpcClient as unknown as grpc.Client
  // The package sets no deadline on its stream: bound it here, so a cached lookup cannot hang.
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new FunctionError(`server reflection did not answer within ${timeoutMs} ms`)),
      timeoutMs
    )
  })
  try {
    const root = await Promise.race([
      reflection.fileContainingSymbol(service.replace(/^\./, '')),
      timeout
    ])
    return findService(
      protoLoader.fromJSON(root.toJSON(), LOADER_OPTIONS),
      service,
      `the reflection answer of ${address}`
    )
  } catch (err) {
    if (err instanceof FunctionError) throw err
    const e = err as Partial<grpc.ServiceError>
    const why =
      e.code !== undefined
        ? `${grpc.status[e.code]}: ${e.details ?? ''}`
        : e.message || `service "${service}" is unknown to the server`
    throw new FunctionError(
      `server reflection failed (${why}); set "proto" to the service's .proto file`
    )
  } finally {
    clearTimeout(timer)
    channel.close()
  }
}

function loadByReflection(
  lib: GrpcLibs,
  address: string,
  service: string,
  deadline: Deadline
): Promise<protoLoader.ServiceDefinition> {
  const key = `${address}\0${service}`
  let pending = reflectionCache.get(key)
  if (!pending) {
    pending = fetchByReflection(lib, address, service, Math.max(1, deadline.remainingMs()))
    reflectionCache.set(key, pending)
    // Failures are not cached: the server may come up or gain reflection later.
    pending.catch(() => reflectionCache.delete(key))
  }
  return untilDeadline(pending, deadline, () => undefined)
}

function findMethod(service: protoLoader.ServiceDefinition, def: GrpcFunction): AnyMethod {
  const method =
    service[def.method] ?? Object.values(service).find((m) => m.originalName === def.method)
  if (!method) {
    throw new FunctionError(
      `method "${def.method}" not found in ${def.service} (methods: ${Object.keys(service).join(', ')})`
    )
  }
  if (method.requestStream || method.responseStream)
    throw new FunctionError(
      `${def.service}/${def.method} is a streaming method; only unary calls are supported`
    )
  return method
}

/** Runs a gRPC function; throws {@link FunctionError} on failure. */
export async function runGrpc(def: GrpcFunction, ctx: FunctionContext): Promise<RunnerOutput> {
  const address = substituteString(def.address, ctx.vars, ctx.secrets)
  const request =
    def.request === undefined ? {} : substituteJson(def.request, ctx.vars, ctx.secrets)
  if (request === null || typeof request !== 'object' || Array.isArray(request)) {
    throw new FunctionError('request must be a JSON object (the request message)')
  }

  const lib = await loadLibs()
  const { grpc } = lib
  const deadline = startDeadline(def.timeout, ctx.signal)
  try {
    const service =
      def.proto !== undefined
        ? await loadFromProto(
            lib,
            substituteString(def.proto, ctx.vars, ctx.secrets),
            def.service,
            ctx.baseDir
          )
        : await loadByReflection(lib, address, def.service, deadline)
    const method = findMethod(service, def)
    if (deadline.signal.aborted) throw deadline.reason()

    const response = await new Promise<object>((resolve, reject) => {
      const call = clientFor(lib, address).makeUnaryRequest<object, object>(
        method.path,
        method.requestSerialize,
        method.responseDeserialize,
        request,
        new grpc.Metadata(),
        { deadline: Date.now() + deadline.remainingMs() },
        (err, value) => {
          deadline.signal.removeEventListener('abort', onAbort)
          if (err) {
            if (deadline.signal.aborted && !deadline.timedOut()) reject(deadline.reason())
            else if (err.code === grpc.status.DEADLINE_EXCEEDED || deadline.timedOut()) {
              reject(
                new FunctionError(`DEADLINE_EXCEEDED: no answer within ${deadline.timeoutSeconds}s`)
              )
            } else
              reject(
                new FunctionError(
                  `${grpc.status[err.code] ?? `status ${err.code}`}: ${err.details}`
                )
              )
          } else resolve(value ?? {})
        }
      )
      const onAbort = (): void => call.cancel()
      deadline.signal.addEventListener('abort', onAbort, { once: true })
    })
    // Plain JSON: no prototypes, no undefined.
    return { output: JSON.parse(JSON.stringify(response)) as unknown }
  } finally {
    deadline.dispose()
  }
}
