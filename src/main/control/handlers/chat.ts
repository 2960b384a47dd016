/** @module Chat tester routes: each a call into the chat service. */
import type { ChatService } from '../../core/services/chat-service'
import type { DomainHandlers } from './types'

export function chatHandlers(chat: ChatService): DomainHandlers<'chat'> {
  return {
    'chat.start': async (input) => chat.start(input),
    'chat.stop': async (input) => chat.stop(input.chatId)
  }
}
