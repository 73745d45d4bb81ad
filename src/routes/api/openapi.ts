import { z } from 'zod'
import { operations, type OperationSpec } from './operations.ts'
import { problem } from './schemas.ts'

const schemaOf = (s: z.ZodType) => {
  const { $schema: _, ...json } = z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>
  return json
}

const problemResponse = (description: string) => ({ description, content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } })

/** OpenAPI 3.1 of the JSON API, generated from the operations and the zod schemas the routes validate with. */
export function openApiDocument(version: string) {
  const paths: Record<string, Record<string, unknown>> = {}
  for (const op of operations as readonly OperationSpec[]) {
    const path = `/api/v1${op.url.replace(/:(\w+)/g, '{$1}')}`
    paths[path] ??= {}
    paths[path][op.method.toLowerCase()] = {
      operationId: op.id,
      summary: op.summary,
      description: `Needs a key with the ${op.scope} scope${op.scope === 'read' ? ' (or write)' : ''}.`,
      security: [{ bearer: [] }],
      ...((op.params || op.query) && {
        parameters: [
          ...Object.entries(op.params?.shape ?? {}).map(([name, s]) => ({ name, in: 'path', required: true, schema: schemaOf(s as z.ZodType) })),
          ...Object.entries(op.query?.shape ?? {}).map(([name, s]) => ({ name, in: 'query', required: false, schema: schemaOf(s as z.ZodType) })),
        ],
      }),
      ...(op.body && { requestBody: { required: true, content: { 'application/json': { schema: schemaOf(op.body) } } } }),
      responses: {
        200: { description: 'Done', content: op.streams ? Object.fromEntries(op.streams.map((type) => [type, { schema: { type: 'string' } }])) : { 'application/json': { schema: schemaOf(op.response) } } },
        400: problemResponse('The request is malformed'),
        401: problemResponse('No key, or a key that does not work'),
        403: problemResponse('The key lacks the scope'),
        ...(op.params && { 404: problemResponse('No such record') }),
        ...(op.body && { 413: problemResponse('The batch is too large'), 422: problemResponse('Records are invalid; nothing was written') }),
        429: problemResponse('Too many requests for this key; see Retry-After'),
      },
    }
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Comeback API', version, description: 'Feed Comeback customers, orders and events from a shop, CRM or ERP, and read what it knows. Errors are RFC 9457 problem details.' },
    servers: [{ url: '/' }],
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API key made by an admin (Settings › API keys, or comeback apikey create)' } }, schemas: { Problem: schemaOf(problem) } },
    paths,
  }
}
