import type { FastifyPluginAsync } from 'fastify'
import { z } from 'zod'
import { AppError } from '../../../domain/errors.ts'
import { listUsers } from '../../../repos/users.ts'
import { createUser, generatePassword, roles } from '../../../services/users.ts'

const newUserForm = z.object({ email: z.string().max(320).default(''), role: z.string().default('') })

/** /admin/users: staff accounts. Admins only. */
const userRoutes: FastifyPluginAsync = async (app) => {
  const admin = { preHandler: app.requireUser('admin') }

  app.get('/', admin, async (req, reply) => {
    return reply.view('admin/users/index', { title: req.t('users.title'), users: listUsers(app.db), roles })
  })

  app.post('/', admin, async (req, reply) => {
    const form = newUserForm.parse(req.body)
    const password = generatePassword()
    try {
      const user = await createUser(app.db, { ...form, password }, req.user!.email)
      // The password is shown this once, to be handed over; only its hash is kept.
      return reply.view('admin/users/index', { title: req.t('users.title'), users: listUsers(app.db), roles, created: { email: user.email, role: user.role, password } })
    } catch (e) {
      if (!(e instanceof AppError)) throw e
      return reply.code(e.statusCode).view('admin/users/index', { title: req.t('users.title'), users: listUsers(app.db), roles, error: e.note, form })
    }
  })
}

export default userRoutes
