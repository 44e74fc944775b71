/** The public face of rxshm: factories, Connection, operators and the errors they raise. */
export { listen, type ListenOptions } from './listen.js';
export { connect } from './connect.js';
export { spawnConnected, PARENT_CHANNEL_ENV, DEFAULT_EXIT_GRACE_MS, DEFAULT_SPAWN_TIMEOUT_MS, type SpawnConnectedOptions } from './spawn-connected.js';
export { connectParent } from './connect-parent.js';
export { Connection, type Claim, type ConnectionEnd, type ConnectionInfo } from './connection.js';
export type { ConnectionStats } from './connection-stats.js';
export {
  DEFAULT_CONNECT_TIMEOUT,
  DEFAULT_HIGH_WATER_MARK,
  DEFAULT_MAX_MESSAGE,
  DEFAULT_OVERFLOW,
  DEFAULT_POLL_MICROS,
  DEFAULT_RING_CAPACITY,
  DEFAULT_SPIN_MICROS,
  type ChannelOptions,
  type WaitStrategy,
} from './options.js';
export {
  ChannelOptionsError,
  ConnectError,
  ConnectionAbortedError,
  ConnectionClosedError,
  ListenError,
  MalformedFrameError,
  MessageTooLargeError,
  PeerExitedError,
  RingFullError,
  type ConnectErrorCode,
} from './errors.js';
export { MAX_CHANNEL_NAME_BYTES } from './channel-name.js';
export { request, type RequestOptions } from './request.js';
export { serve, type Handler, type RequestContext, type ServeOptions, type Served } from './serve.js';
export { defineMethod, implement, call, type MethodContract, type BytesCodec } from './methods.js';
export { RemoteError, RequestTimeoutError, StatusError } from './request-errors.js';
export { liveness, peerStates, type LivenessOptions, type LivenessProbe, type PeerState } from './liveness.js';
export { decode, type DecodeOptions } from './decode.js';
export { encode } from './encode.js';
export { typed, typedConnection, TypedConnection, type TypedOptions } from './typed.js';
