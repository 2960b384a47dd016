/** The only two IPC channel names; preload needs nothing else. */
export const REQUEST_CHANNEL = 'llmnet:request'
export const EVENT_CHANNEL = 'llmnet:event'
