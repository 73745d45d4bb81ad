import type { FastifyPluginAsync } from 'fastify'
import { z } from 'zod'
import { setUserLocale } from '../../../services/users.ts'
import { translator } from '../../../locales/index.ts'
import { viewLocals } from '../../../plugins/i18n.ts'

const accountForm = z.object({ locale: z.string().max(20).default('') })

/** /admin/account: the signed-in user's own settings (the language of the staff pages). Every role. */
const accountRoutes: FastifyPluginAsync = async (app) => {
  app.get('/', async (req, reply) => reply.view('admin/account/index', { title: req.t('account.title') }))

  app.post('/', async (req, reply) => {
    const { locale } = accountForm.parse(req.body)
    setUserLocale(app.db, req.user!.id, locale, req.user!.email)
    // This response already speaks the new language.
    const t = translator(locale)
    return reply.view('admin/account/index', { ...viewLocals(t), user: { ...req.user!, locale }, title: t('account.title'), saved: true })
  })
}

export default accountRoutes
