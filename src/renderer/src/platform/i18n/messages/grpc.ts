// The gRPC view of an exchange: the call, its messages both ways, each message's protobuf
// fields as a tree, and the .proto files that name them.
export default {
  en: {
    grpcView: {
      views: 'Exchange view',
      view: { http: 'HTTP', grpc: 'gRPC' },
      kind: { grpc: 'gRPC', 'grpc-web': 'gRPC-Web' },
      status: 'grpc-status {code} {name}',
      noStatus: 'no grpc-status yet',
      encoding: 'grpc-encoding {encoding}',
      messages: 'gRPC messages ({n})',
      messageN: 'message {n}',
      col: { time: 'time', size: 'size', type: 'type', fields: 'fields' },
      compressed: 'compressed',
      inflated: 'compressed, {size} inflated',
      partial: 'partial',
      noSchema: 'no schema (raw decode)',
      none: 'No gRPC message on this call.',
      emptyMessage: 'An empty message (no fields).',
      choose: 'Choose a message to see its fields.',
      fields: 'Message fields',
      messageOf: 'Message {n}, {dir}',
      tree: 'Fields of message {n}',
      omitted: '{n} more fields not listed',
      problems: 'gRPC framing problems',
      unread: '{n} more messages not listed (the first 2000 each way are).',
      reading: { signed: 'signed', zigzag: 'zigzag', float: 'float', double: 'double' },
      bytes: {
        compressed: 'Compressed: its fields are in the inflated bytes, so they are not marked in the byte views.',
        split: 'Split across frames: its fields are not marked in the byte views.',
        unknown: 'Its bytes on the wire are not known: its fields are not marked in the byte views.'
      },
      protos: {
        open: 'Load .proto…',
        none: 'no .proto loaded: fields by number',
        loaded: '{files}, {methods}',
        files: '{n} file | {n} files',
        methods: '{n} method | {n} methods',
        path: '.proto file path',
        placeholder: '/path/to/service.proto',
        browse: 'Browse…',
        load: 'Load',
        unload: 'Unload all',
        fileList: 'Loaded .proto files'
      }
    }
  },
  'zh-CN': {
    grpcView: {
      views: '交换视图',
      view: { http: 'HTTP', grpc: 'gRPC' },
      kind: { grpc: 'gRPC', 'grpc-web': 'gRPC-Web' },
      status: 'grpc-status {code} {name}',
      noStatus: '尚无 grpc-status',
      encoding: 'grpc-encoding {encoding}',
      messages: 'gRPC 消息（{n}）',
      messageN: '消息 {n}',
      col: { time: '时间', size: '大小', type: '类型', fields: '字段' },
      compressed: '已压缩',
      inflated: '已压缩，解压后 {size}',
      partial: '不完整',
      noSchema: '无 schema（原始解码）',
      none: '此调用没有 gRPC 消息。',
      emptyMessage: '空消息（没有字段）。',
      choose: '选择一条消息查看其字段。',
      fields: '消息字段',
      messageOf: '消息 {n}，{dir}',
      tree: '消息 {n} 的字段',
      omitted: '另有 {n} 个字段未列出',
      problems: 'gRPC 分帧问题',
      unread: '另有 {n} 条消息未列出（每个方向列出前 2000 条）。',
      reading: { signed: '有符号', zigzag: 'zigzag', float: 'float', double: 'double' },
      bytes: {
        compressed: '已压缩：字段位于解压后的字节中，因此不在字节视图中标出。',
        split: '跨帧分割：字段不在字节视图中标出。',
        unknown: '其在线路上的字节位置未知：字段不在字节视图中标出。'
      },
      protos: {
        open: '加载 .proto…',
        none: '未加载 .proto：按编号显示字段',
        loaded: '{files}，{methods}',
        files: '{n} 个文件',
        methods: '{n} 个方法',
        path: '.proto 文件路径',
        placeholder: '/path/to/service.proto',
        browse: '浏览…',
        load: '加载',
        unload: '全部卸载',
        fileList: '已加载的 .proto 文件'
      }
    }
  }
}
