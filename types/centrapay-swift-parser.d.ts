// Types for the parts of @centrapay/swift-parser (plain JavaScript) that server/rails/bank/formats/mt940-reader.ts uses.
declare module "@centrapay/swift-parser/lib/tags.js" {
  export interface SwiftTag {
    id: number | string;
    data: string;
    fields: Record<string, unknown>;
  }
  export class TagFactory {
    createTag(id: string, subId: string, data: string): SwiftTag;
  }
  export class TagStatementLine {
    static get PATTERN(): RegExp;
  }
  export class TagBalance {
    static get PATTERN(): RegExp;
  }
  const tags: { TagFactory: typeof TagFactory; TagStatementLine: typeof TagStatementLine; TagBalance: typeof TagBalance };
  export default tags;
}

declare module "@centrapay/swift-parser/lib/field86structure.js" {
  const Field86Structure: { parse(details: string): Record<string, string> | undefined };
  export default Field86Structure;
}
