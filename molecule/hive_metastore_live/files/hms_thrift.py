"""A minimal Thrift client for the Hive metastore: TBinaryProtocol over a plain socket, stdlib only.

The metastore's default transport (no SASL, no framing) takes one call per message. Used by the
scenario's tests on the metastore host: python3 hms_thrift.py HOST PORT CALL [ARGS...]
  get_all_databases                 -> JSON list of names
  get_database NAME                 -> JSON {"name", "location"} or {"error"}
  create_database NAME LOCATION     -> JSON {} or {"error"}
  drop_database NAME                -> JSON {} or {"error"}
Field ids and types come from the metastore's IDL (standalone-metastore hive_metastore.thrift).
"""
import json
import socket
import struct
import sys

STOP, BOOL, BYTE, DOUBLE, I16, I32, I64, STRING, STRUCT, MAP, SET, LIST = 0, 2, 3, 4, 6, 8, 10, 11, 12, 13, 14, 15


def string(value):
    data = value.encode()
    return struct.pack('>i', len(data)) + data


def field(ftype, fid, payload):
    return struct.pack('>bh', ftype, fid) + payload


class Reader:
    def __init__(self, sock):
        self.sock = sock
        self.buf = b''

    def take(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError('connection closed by the metastore')
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def unpack(self, fmt):
        return struct.unpack(fmt, self.take(struct.calcsize(fmt)))[0]

    def value(self, ftype):
        if ftype == BOOL:
            return self.unpack('>b') != 0
        if ftype == BYTE:
            return self.unpack('>b')
        if ftype == DOUBLE:
            return self.unpack('>d')
        if ftype == I16:
            return self.unpack('>h')
        if ftype == I32:
            return self.unpack('>i')
        if ftype == I64:
            return self.unpack('>q')
        if ftype == STRING:
            return self.take(self.unpack('>i')).decode('utf-8', 'replace')
        if ftype == STRUCT:
            return self.struct()
        if ftype == MAP:
            ktype, vtype, count = self.unpack('>b'), self.unpack('>b'), self.unpack('>i')
            return {self.value(ktype): self.value(vtype) for _index in range(count)}
        if ftype in (SET, LIST):
            etype, count = self.unpack('>b'), self.unpack('>i')
            return [self.value(etype) for _index in range(count)]
        raise ValueError('unknown thrift type %d' % ftype)

    def struct(self):
        fields = {}
        while True:
            ftype = self.unpack('>b')
            if ftype == STOP:
                return fields
            fid = self.unpack('>h')
            fields[fid] = self.value(ftype)


def call(host, port, name, args=b''):
    with socket.create_connection((host, port), 10) as sock:
        sock.settimeout(60)
        sock.sendall(struct.pack('>I', 0x80010001) + string(name) + struct.pack('>i', 1) + args + b'\x00')
        reader = Reader(sock)
        version = reader.unpack('>I')
        reader.take(reader.unpack('>i'))  # method name
        reader.unpack('>i')  # sequence id
        body = reader.struct()
        if version & 0xff == 3:  # TApplicationException
            raise RuntimeError('thrift application error: %s' % body.get(1))
        return body


def error_of(result):
    """The message of a declared exception (any field but 0), or None."""
    for fid, value in result.items():
        if fid != 0:
            return value.get(1) if isinstance(value, dict) else str(value)
    return None


def main(argv):
    host, port, name, rest = argv[1], int(argv[2]), argv[3], argv[4:]
    if name == 'get_all_databases':
        out = call(host, port, name).get(0, [])
    elif name == 'get_database':
        result = call(host, port, name, field(STRING, 1, string(rest[0])))
        db = result.get(0)
        out = {'name': db.get(1), 'location': db.get(3)} if db else {'error': error_of(result)}
    elif name == 'create_database':
        database = field(STRING, 1, string(rest[0])) + field(STRING, 3, string(rest[1])) + b'\x00'
        result = call(host, port, name, field(STRUCT, 1, database))
        out = {'error': error_of(result)} if error_of(result) else {}
    elif name == 'drop_database':
        args = field(STRING, 1, string(rest[0])) + field(BOOL, 2, b'\x01') + field(BOOL, 3, b'\x01')
        result = call(host, port, name, args)
        out = {'error': error_of(result)} if error_of(result) else {}
    else:
        raise SystemExit('unknown call %s' % name)
    print(json.dumps(out))


if __name__ == '__main__':
    main(sys.argv)
