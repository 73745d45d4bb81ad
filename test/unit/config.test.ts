import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../../src/config.ts'

describe('config', () => {
  it('has the defaults of the spec', () => {
    const c = loadConfig({})
    expect(c).toMatchObject({ dbFile: './data/comeback.db', host: '127.0.0.1', port: 3000, baseUrl: 'http://127.0.0.1:3000', defaultLocale: 'de', defaultCurrency: 'EUR', smtpUrl: undefined })
    expect(c.secureCookies).toBe(false)
  })

  it('derives secure cookies from an https BASE_URL', () => {
    expect(loadConfig({ BASE_URL: 'https://shop.example.com/' })).toMatchObject({ baseUrl: 'https://shop.example.com', secureCookies: true })
  })

  it('names every bad variable', () => {
    expect(() => loadConfig({ PORT: 'eighty', DEFAULT_LOCALE: 'fr', SMTP_URL: 'http://x' })).toThrow(ConfigError)
    try {
      loadConfig({ PORT: 'eighty', DEFAULT_LOCALE: 'fr' })
    } catch (e) {
      expect((e as Error).message).toMatch(/PORT/)
      expect((e as Error).message).toMatch(/DEFAULT_LOCALE/)
    }
  })
})
