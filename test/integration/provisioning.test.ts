// Vagrant and bare-host provisioning, checked as far as this machine allows: the scripts parse,
// they share the local cluster's install logic, and the systemd units they write are valid
// (systemd-analyze verify, where present) and run the same command lines as `npm run up`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { kubeletArgs } from '@tinykube/hosts';
import { REPO_DIR } from '../helpers';

const hosts = path.join(REPO_DIR, 'packages/hosts/dist/src/main.js');

function has(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

test('the provisioning scripts parse and use the same install logic as npm run up', () => {
  const read = (f: string): string => fs.readFileSync(path.join(REPO_DIR, f), 'utf8');
  for (const f of ['scripts/install-master.sh', 'scripts/install-node.sh', 'scripts/up.sh', 'scripts/install-deps.sh']) execFileSync('bash', ['-n', path.join(REPO_DIR, f)]);
  for (const f of ['scripts/install-master.sh', 'scripts/install-node.sh', 'scripts/up.sh']) assert.match(read(f), /bash scripts\/install-deps\.sh/, f);
  assert.match(read('scripts/install-master.sh'), /units master/);
  assert.match(read('scripts/install-node.sh'), /units node/);
  const vagrantfile = read('vagrant/Vagrantfile');
  assert.match(vagrantfile, /scripts\/install-master\.sh --ip/);
  // Nodes run the master's join command (install-master.sh writes it; install-node.sh's flags).
  assert.match(vagrantfile, /\$\(cat \/vagrant\/vagrant\/join-command\) --name/);
  assert.match(read('scripts/install-master.sh'), /join-command --pki-dir/);
  assert.match(read('scripts/install-node.sh'), /--discovery-token-ca-cert-hash[|)]/);
  if (has('vagrant')) execFileSync('vagrant', ['validate'], { cwd: path.join(REPO_DIR, 'vagrant') });
  else if (has('ruby')) execFileSync('ruby', ['-c', path.join(REPO_DIR, 'vagrant/Vagrantfile')]);
});

test('generated units restart on failure, verify, and run the local cluster\'s command lines', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'tinykube-units-'));
  try {
    const state = path.join(out, 'state');
    execFileSync(process.execPath, [hosts, 'units', 'master', '--master-ip', '192.168.56.10', '--out', out, '--state-dir', state]);
    execFileSync(process.execPath, [hosts, 'units', 'node', '--master-ip', '192.168.56.10', '--name', 'node-1', '--node-ip', '192.168.56.11', '--out', out, '--state-dir', state]);
    const files = fs.readdirSync(out).filter((f) => f.endsWith('.service')).sort();
    assert.deepEqual(files, ['tinykube-apiserver.service', 'tinykube-controller-manager.service', 'tinykube-dockerd.service', 'tinykube-etcd.service', 'tinykube-kubelet.service', 'tinykube-proxy.service', 'tinykube-registry.service', 'tinykube-scheduler.service']);
    for (const f of files) assert.match(fs.readFileSync(path.join(out, f), 'utf8'), /^Restart=on-failure$/m, f);
    const kubelet = fs.readFileSync(path.join(out, 'tinykube-kubelet.service'), 'utf8');
    const expected = kubeletArgs({ repoDir: REPO_DIR, apiserverGrpc: '192.168.56.10:6444', nodeName: 'node-1', nodeIp: '192.168.56.11', dockerSocket: '/run/tinykube/docker.sock', rootDir: path.join(state, 'kubelet'), clusterCidr: '10.244.0.0/16', pkiDir: '/etc/tinykube/pki' });
    assert.ok(kubelet.includes(`ExecStart=${process.execPath} ${expected.join(' ')}`), kubelet);
    assert.match(fs.readFileSync(path.join(out, 'tinykube-dockerd.service'), 'utf8'), /--registry-mirror=http:\/\/192\.168\.56\.10:5000/);
    // A node joined by token: certificates by CSR, the kubelet's serving one too, and tk-proxy's.
    const joined = path.join(out, 'joined');
    execFileSync(process.execPath, [hosts, 'units', 'node', '--master-ip', '192.168.56.10', '--name', 'node-2', '--node-ip', '192.168.56.12', '--out', joined, '--state-dir', state, '--bootstrap-kubeconfig', '/etc/tinykube/bootstrap-kubelet.kubeconfig']);
    const joinedKubelet = fs.readFileSync(path.join(joined, 'tinykube-kubelet.service'), 'utf8');
    assert.match(joinedKubelet, /--bootstrap-kubeconfig=\/etc\/tinykube\/bootstrap-kubelet\.kubeconfig .*--rotate-server-certificates/);
    assert.doesNotMatch(joinedKubelet, /--tls-cert-file|--cert-file/);
    assert.match(fs.readFileSync(path.join(joined, 'tinykube-proxy.service'), 'utf8'), /--bootstrap-kubeconfig=\/etc\/tinykube\/bootstrap-kubelet\.kubeconfig --cert-dir=.*\/proxy\/pki/);
    if (has('systemd-analyze')) execFileSync('systemd-analyze', ['verify', ...fs.readdirSync(joined).map((f) => path.join(joined, f))], { stdio: 'pipe' });
    if (has('systemd-analyze')) execFileSync('systemd-analyze', ['verify', ...files.map((f) => path.join(out, f))], { stdio: 'pipe' });
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});
