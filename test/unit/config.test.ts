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
    // Fails if nothing is thrown: the message must name both variables.
    expect(() => loadConfig({ PORT: 'eighty', DEFAULT_LOCALE: 'fr' })).toThrow(/PORT[\s\S]*DEFAULT_LOCALE|DEFAULT_LOCALE[\s\S]*PORT/)
    expect(() => loadConfig({ UPLOAD_LIMIT_MB: '0' })).toThrow(/UPLOAD_LIMIT_MB/)
    expect(() => loadConfig({ TRUST_PROXY: 'everyone' })).toThrow(/TRUST_PROXY/)
  })

  it('reads the upload limit and which proxies to trust', () => {
    expect(loadConfig({})).toMatchObject({ uploadLimitMb: 256, trustProxy: false })
    expect(loadConfig({ UPLOAD_LIMIT_MB: '10', TRUST_PROXY: 'true' })).toMatchObject({ uploadLimitMb: 10, trustProxy: true })
    expect(loadConfig({ TRUST_PROXY: '127.0.0.1, 10.0.0.0/8' }).trustProxy).toBe('127.0.0.1,10.0.0.0/8')
  })
})
