import type { FastifyBaseLogger } from 'fastify'

/** A logger that says nothing, for jobs run outside a Fastify app (sender tests, the bench). */
export const quietLogger = { info() {}, warn() {}, error() {}, debug() {}, trace() {}, fatal() {}, child: () => quietLogger, level: 'silent' } as unknown as FastifyBaseLogger
