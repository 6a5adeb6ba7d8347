import struct,sys
p=sys.argv[1]; b=bytearray(open(p,'rb').read())
shoff,=struct.unpack_from('<Q',b,0x28); shentsize,shnum,shstrndx=struct.unpack_from('<HHH',b,0x3a)
secs=[struct.unpack_from('<IIQQQQIIQQ',b,shoff+i*shentsize) for i in range(shnum)]
strtab=secs[shstrndx]
def nm(o): e=b.index(0,strtab[4]+o); return b[strtab[4]+o:e].decode()
for s in secs:
  if nm(s[0])=='.gnu.version_r':
    dyn=secs[s[6]]; off=s[4]; 
    while True:
      vn_version,vn_cnt,vn_file,vn_aux,vn_next=struct.unpack_from('<HHIII',b,off)
      a=off+vn_aux
      for i in range(vn_cnt):
        h,fl,other,name,nxt=struct.unpack_from('<IHHII',b,a)
        n=b[dyn[4]+name:b.index(0,dyn[4]+name)].decode()
        if n=='GLIBCXX_3.4.32': struct.pack_into('<H',b,a+4,fl|2); print('weakened',n,'index',other)
        a+=nxt
      if not vn_next: break
      off+=vn_next
open(p,'wb').write(b)
