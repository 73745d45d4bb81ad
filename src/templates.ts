import { Eta } from 'eta'
import { viewsDir } from './paths.ts'

/**
 * Eta that resolves each template's path once. Eta itself builds a cache key with JSON.stringify
 * and checks the path against the views folder (path.join, path.relative) on every render and
 * every include: a fifth of rendering a survey page under load, by CPU profile. Template names
 * come from the code, so the set of keys is small and fixed.
 */
class PathCachingEta extends Eta {
  constructor(...args: ConstructorParameters<typeof Eta>) {
    super(...args)
    const resolve = this.resolvePath
    const resolved = new Map<string, string>()
    this.resolvePath = function (template, options) {
      const key = `${options?.filepath ?? ''}\0${template}`
      let path = resolved.get(key)
      if (path === undefined) {
        path = resolve.call(this, template, options)
        resolved.set(key, path)
      }
      return path
    }
  }
}

/** Eta over the app's views folder, resolving each template's path once (pages and mails alike). */
export function templates(options: { cache: boolean; autoEscape: boolean; autoTrim?: false }): Eta {
  return new PathCachingEta({ views: viewsDir, ...options })
}
