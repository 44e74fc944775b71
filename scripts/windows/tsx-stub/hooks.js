// Resolve hook of the tsx stand-in: a specifier naming a .ts file resolves to the .js tsc wrote next to it.
export async function resolve(specifier, context, nextResolve) {
  if (/\.ts$/.test(specifier) && !specifier.startsWith('node:')) {
    return nextResolve(specifier.replace(/\.ts$/, '.js'), context);
  }
  return nextResolve(specifier, context);
}
