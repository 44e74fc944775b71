/** The public face of rxshm: factories, Connection, operators and the errors they raise. */
export { listen, DEFAULT_MAX_CLIENTS, MAX_CLIENTS, type ListenOptions } from './channel/listen.js';
export { connect } from './channel/connect.js';
export {
  spawnConnected,
  DEFAULT_EXIT_GRACE_MS,
  DEFAULT_SPAWN_TIMEOUT_MS,
  type SpawnConnectedOptions,
} from './channel/spawn-connected.js';
export { PARENT_CHANNEL_ENV } from './channel/parent-channel.js';
export { connectParent } from './channel/connect-parent.js';
export { nativeChannel, type NativeChannel } from './channel/native-channel.js';
export { Connection, type Claim, type ConnectionEnd, type ConnectionInfo } from './connection/connection.js';
export { broadcast } from './connection/broadcast.js';
export { clients } from './operators/clients.js';
export type { ConnectionStats } from './connection/connection-stats.js';
export {
  DEFAULT_CONNECT_TIMEOUT,
  DEFAULT_HIGH_WATER_MARK,
  DEFAULT_MAX_MESSAGE,
  DEFAULT_OVERFLOW,
  DEFAULT_POLL_MICROS,
  DEFAULT_RING_CAPACITY,
  DEFAULT_SPIN_MICROS,
  type ChannelOptions,
  type ReceiveMode,
  type WaitStrategy,
} from './channel/options.js';
export { recycle, RECYCLED_BUDGET_BYTES } from './engine/recycled-copies.js';
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
export { MAX_CHANNEL_NAME_BYTES } from './channel/channel-name.js';
export { request, type RequestOptions } from './rpc/request.js';
export { serve, type Handler, type RequestContext, type ServeOptions, type Served } from './rpc/serve.js';
export { defineMethod, implement, call, type MethodContract, type BytesCodec } from './rpc/methods.js';
export { RemoteError, RequestTimeoutError, StatusError } from './rpc/request-errors.js';
export {
  liveness,
  peerStates,
  type LivenessOptions,
  type LivenessProbe,
  type PeerState,
} from './operators/liveness.js';
export { decode, type DecodeOptions } from './operators/decode.js';
export { encode } from './operators/encode.js';
export { typed, typedConnection, TypedConnection, type TypedOptions } from './operators/typed.js';
export { segment, type SegmentOptions } from './native/segment.js';
export type { SharedSegment } from './native/shared-segment.js';
export { wakeups, wake } from './native/wakeups.js';
export { SegmentArgumentError, type SegmentArgumentCode } from './native/errors.js';
