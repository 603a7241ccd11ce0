// The published Kaitai Struct compiler ships no types: only compile() is used (ksy-compile.ts).
declare module 'kaitai-struct-compiler' {
  const compiler: { compile(lang: string, yaml: unknown, importer: unknown, debug: boolean): Promise<Record<string, string>> }
  export default compiler
}
