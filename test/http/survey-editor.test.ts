import { describe, expect, it } from 'vitest'
import { formFromDefinition } from '../../src/services/survey-form.ts'
import { currentVersion, definitionOf, ensureDefaultSurvey } from '../../src/services/surveys.ts'
import { useTestApp } from '../helpers/build-app.ts'
import { addUser, formToken, login } from '../helpers/factories.ts'
import { answer, customerWithLink } from '../helpers/survey.ts'

describe('survey editor', () => {
  const t = useTestApp()

  async function manager() {
    await addUser(t.db, 'manager')
    return (await login(t.app, 'manager@example.com')).jar
  }
  async function save(jar: Awaited<ReturnType<typeof manager>>, id: number, form: Record<string, string>) {
    const token = await formToken(t.app, jar, `/admin/surveys/${id}`)
    return t.app.inject({
      method: 'POST',
      url: `/admin/surveys/${id}`,
      headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ ...form, _csrf: token }).toString(),
    })
  }

  it('saves edits as a new version; a started response keeps the version its respondent saw', async () => {
    const jar = await manager()
    const { token } = await customerWithLink(t.db, 'E1', { locale: 'en' })
    const id = ensureDefaultSurvey(t.db)
    await answer(t.app, token, 'reasons', { q: ['price'] })

    const form = formFromDefinition(definitionOf(currentVersion(t.db, id)))
    const n = Number(form.count)
    const res = await save(jar, id, {
      ...form,
      label_en_3: 'Would you recommend us?',
      // A new rating question, shown only to those who found a better offer.
      count: String(n + 1),
      [`pos_${n}`]: '2.5',
      [`key_${n}`]: 'price_fair',
      [`type_${n}`]: 'rating',
      [`required_${n}`]: 'on',
      [`label_de_${n}`]: 'Wie fair fanden Sie unsere Preise?',
      [`label_en_${n}`]: 'How fair were our prices?',
      [`scale_min_${n}`]: '1',
      [`scale_max_${n}`]: '5',
      [`min_de_${n}`]: 'unfair',
      [`min_en_${n}`]: 'unfair',
      [`max_de_${n}`]: 'fair',
      [`max_en_${n}`]: 'fair',
      [`showif_q_${n}`]: 'reasons',
      [`showif_v_${n}`]: 'price',
      remove_6: 'on',
    })
    expect(res.statusCode).toBe(303)
    expect(res.headers.location).toBe(`/admin/surveys/${id}?saved=2`)
    const def = definitionOf(currentVersion(t.db, id))
    expect(def.questions.map((q) => q.key)).toEqual(['reasons', 'main_reason', 'price_fair', 'competitor', 'nps', 'csat', 'ces', 'contact'])
    expect(def.questions.find((q) => q.key === 'price_fair')).toMatchObject({ type: 'rating', showIf: { question: 'reasons', includes: 'price' }, scale: { min: 1, max: 5 } })

    // The respondent who had started sees version 1 to the end.
    expect((await t.app.inject(`/s/${token}`)).body).toContain('How likely are you to recommend us')
    // A new respondent gets version 2, with the condition working.
    const other = await customerWithLink(t.db, 'E2', { locale: 'en' })
    await answer(t.app, other.token, 'reasons', { q: ['price'] })
    const next = await t.app.inject(`/s/${other.token}`)
    expect(next.body).toContain('How fair were our prices?')
    const versions = t.db.$client.prepare('SELECT v.version FROM responses r JOIN survey_versions v ON v.id = r.survey_version_id ORDER BY r.id').all()
    expect(versions).toEqual([{ version: 1 }, { version: 2 }])
  })

  it('refuses a broken survey with a clear message and saves nothing', async () => {
    const jar = await manager()
    const id = ensureDefaultSurvey(t.db)
    const form = formFromDefinition(definitionOf(currentVersion(t.db, id)))
    const duplicate = await save(jar, id, { ...form, key_4: 'nps' })
    expect(duplicate.statusCode).toBe(400)
    expect(duplicate.body).toContain('Question 5, id: the id “nps” is used twice')
    const missing = await save(jar, id, { ...form, label_de_0: '' })
    expect(missing.body).toContain('Question 1, text (German): is required')
    const earlierOnly = await save(jar, id, { ...form, showif_q_0: 'nps', showif_v_0: '9' })
    expect(earlierOnly.body).toContain('can only depend on an earlier question')
    expect(currentVersion(t.db, id).version).toBe(1)
  })

  it('adds a blank question without saving, previews in both languages, and is closed to staff', async () => {
    const jar = await manager()
    const id = ensureDefaultSurvey(t.db)
    const form = formFromDefinition(definitionOf(currentVersion(t.db, id)))
    const added = await save(jar, id, { ...form, action: 'add' })
    expect(added.statusCode).toBe(200)
    expect(added.body).toContain('value="question_9"')
    expect(currentVersion(t.db, id).version).toBe(1)
    const de = await t.app.inject({ url: `/admin/surveys/${id}/preview?lang=de`, headers: { cookie: jar.header() } })
    expect(de.body).toContain('Warum kaufen Sie nicht mehr bei uns?')
    expect(de.body).toContain('Comeback Demo Shop hat es mir leicht gemacht')
    expect(de.body).toContain('Shown only if reasons includes better_offer')
    const en = await t.app.inject({ url: `/admin/surveys/${id}/preview?lang=en`, headers: { cookie: jar.header() } })
    expect(en.body).toContain('May we contact you again, and how?')
    await addUser(t.db, 'staff')
    const staff = (await login(t.app, 'staff@example.com')).jar
    expect((await t.app.inject({ url: '/admin/surveys', headers: { cookie: staff.header() } })).statusCode).toBe(403)
  })
})
